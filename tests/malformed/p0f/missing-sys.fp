; an application (!) label must name its systems with sys
classes = win,unix,other

[tcp:request]

label = s:!:NMap:SYN scan
sig   = *:64-:0:1460:1024,0:mss::0
