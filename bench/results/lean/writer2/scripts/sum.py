import json,sys
for f in sys.argv[1:]:
    d=json.load(open(f))
    print(f, d['machine']['load_average_at_start'])
    for r in d['runs']:
        for s in r['online']['steps']:
            c=s['cost']; t=s.get('server_threads',{})
            th=" ".join("%s=%.0f"%(x['thread'][:12],x['us_per_msg']) for x in t.get('top',[])[:4])
            print("  %-18s %5d/s srv %6.1f us/msg  ack p99 %6.2f ms  comp %.1f%%  other %.2f cores | %s"%(r['peer'],s['target_per_s'],c['server_cpu_us_per_msg'],s['ack_ms']['p99'],100*t.get('compiler_share',0),c.get('other_processes_cores_busy',0),th))
