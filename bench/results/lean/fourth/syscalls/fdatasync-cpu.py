import os,time,sys,resource
d=sys.argv[1]; mode=sys.argv[2]; n=int(sys.argv[3]) if len(sys.argv)>3 else 3000
p=os.path.join(d,'t.log')
if os.path.exists(p): os.remove(p)
fd=os.open(p,os.O_CREAT|os.O_WRONLY,0o600)
if mode=='overwrite':
  os.write(fd,b'\0'*(4<<20)); os.fsync(fd); os.lseek(fd,0,0)
elif mode=='fallocate':
  os.posix_fallocate(fd,0,4<<20); os.fsync(fd)
rec=b'x'*400
lat=[]; r0=resource.getrusage(resource.RUSAGE_SELF)
t=time.perf_counter()
for i in range(n):
  a=time.perf_counter(); os.write(fd,rec); os.fdatasync(fd); lat.append(time.perf_counter()-a)
  t+=0.001
  s=t-time.perf_counter()
  if s>0: time.sleep(s)
r1=resource.getrusage(resource.RUSAGE_SELF)
lat.sort()
print(f"{mode:10s} p50 {lat[n//2]*1e3:.3f} ms p99 {lat[int(n*.99)]*1e3:.3f} ms  cpu/op sys {(r1.ru_stime-r0.ru_stime)/n*1e6:.1f} us user {(r1.ru_utime-r0.ru_utime)/n*1e6:.1f} us")
