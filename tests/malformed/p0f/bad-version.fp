; p0f.fp with an IP version that is neither 4, 6 nor *

classes = win,unix,other

[tcp:request]

label = s:unix:Linux:3.11 and newer
sig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0
sig   = 5:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0
