classes = win,unix,other

[tcp:request]

label = s:unix:Mac OS X:10.x
; eol+N ends the layout
sig   = *:64:0:*:65535,1:mss,nop,ws,eol+1,nop,ts,sok:df,id+:0
