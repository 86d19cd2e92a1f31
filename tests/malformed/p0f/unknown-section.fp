classes = win,unix,other

[udp:request]
