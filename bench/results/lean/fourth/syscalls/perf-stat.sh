#!/bin/bash
# usage: sysc.sh PID SECONDS OUT  -- per-syscall counts + context switches over a window
P=$1; S=$2; OUT=$3
EV=raw_syscalls:sys_enter,context-switches,task-clock
for s in sendto recvfrom read write writev epoll_wait epoll_pwait epoll_pwait2 futex fdatasync pwrite64 sendmsg recvmsg epoll_ctl clock_nanosleep madvise mprotect; do EV="$EV,syscalls:sys_enter_$s"; done
date +%T > $OUT
perf stat --per-thread -e "$EV" -p $P -x, -- sleep $S 2>> $OUT
