classes = unix
[tcp:request]
label = s:unix:A:
sig = *:64:0:*:*,*:nop,eol+1,mss::0
