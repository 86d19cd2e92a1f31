classes = unix
[tcp:request]
label = s:unix:A:
sig = *:64:0:*:*,*:mss::0
label = s:unix:A:
sig = *:64:0:*:*,*:mss::0
