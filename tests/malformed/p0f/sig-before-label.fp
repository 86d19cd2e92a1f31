classes = win,unix,other

[tcp:request]

sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0
