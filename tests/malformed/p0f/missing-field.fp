classes = win,unix,other

[tcp:request]

label = s:win:Windows:7 or 8
; the payload class is missing
sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+
