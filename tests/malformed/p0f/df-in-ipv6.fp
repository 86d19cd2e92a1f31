classes = win,unix,other

[tcp:request]

label = s:unix:Linux:3.x
; IPv6 has no DF bit
sig   = 6:64:0:*:mss*10,7:mss,sok,ts,nop,ws:df,id+:0
