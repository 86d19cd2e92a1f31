classes = win,unix,other

[mtu]

label = Ethernet or modem
sig   = 1500
sig   = 1500 bytes
