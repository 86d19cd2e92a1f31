classes = win,unix,other

[tcp:request]

label = s:win:Windows:7 or 8
sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0

label = s:win:Windows:8 again
sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0
