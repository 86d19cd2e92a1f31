classes = win,unix,other

[tcp:request]

label = s:unix:Linux:3.x
sig   = *:250+10:0:*:mss*10,7:mss,sok,ts,nop,ws:df,id+:0
