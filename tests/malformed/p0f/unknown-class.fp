; a label whose class is not on the classes line
classes = win,unix,other

[tcp:request]

label = s:bsd:FreeBSD:9.x or newer
sig   = *:64:0:*:65535,6:mss,nop,ws,sok,ts:df,id+:0
