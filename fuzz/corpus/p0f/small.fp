; A small database in p0f.fp's format, written for the fuzzer's corpus.
classes = win,unix,other

[mtu]
label = Ethernet
sig   = 1500

[tcp:request]
label = s:unix:Linux:3.11 and newer
sig   = *:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0
label = g:unix:Linux:2.2.x-3.x (barebone)
sig   = *:64:0:*:*,0:mss:df,id+:0
label = s:win:Windows:7 or 8
sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0
label = s:!:Scanner:test
sys   = @unix,@win
sig   = *:64-:0:1460:1024,0:mss::0
label = s:other:Odd:everything
sig   = 4:54+10:4:*:%16,*:?30,ws,eol+3:ecn,id-,seq-,pushf+,uptr+,exws,bad,opt+:*
sig   = 6:255:0:*:mtu*2,*:mss,nop,nop,ts,sack:flow,ts1-,ts2+,ack+,urgf+:+

[tcp:response]
label = s:unix:Linux:3.x
sig   = *:64:0:*:mss*10,0:mss:df:0

[http:request]
ua_os = Linux,Windows
label = s:!:Tool:1.x
sys   = Linux
sig   = *:Host,User-Agent:Accept:Tool
