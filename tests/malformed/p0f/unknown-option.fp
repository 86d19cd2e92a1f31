classes = win,unix,other

[tcp:request]

; "timestamp" is spelled ts
label = s:unix:Linux:3.1-3.10
sig   = *:64:0:*:mss*10,4:mss,sok,timestamp,nop,ws:df,id+:0
