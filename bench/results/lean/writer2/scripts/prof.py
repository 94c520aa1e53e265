import sys,collections
# usage: prof.py FILE... ; writer-thread inclusive shares of chosen frames
keys=["fdatasync","MemTable::Add","RecomputeSpliceLevels","WriteBatchInternal::InsertInto","DBImpl::WriteToWAL","write_fn","RocksDB.write","Pending.apply","Tx.removeMessage","RocksDB.get","StoredCopies.find","Tx.append","WriteBatch.put","WriteBatch.singleDelete","MailboxLedger.write","MailboxLedger","LinkedBlockingQueue.poll","Tx.putCursor","GroupCommitWriter.commit","Tx.<init>","DeleteTrackingBatch","afterCommit","CompletableFuture.complete","Tx.committed","StoredCopies.committed","SkipList","InlineSkipList","__libc_write","Java_org_rocksdb_WriteBatch","Java_org_rocksdb_RocksDB_write","WriteThread","MemTableInserter::PutCF","MemTableInserter::SingleDeleteCF","bucketKeys","saveNew","Requester.check","Tx.account","publish","stats.record","WriterStats"]
for f in sys.argv[1:]:
    tot=0; c=collections.Counter(); th=collections.Counter()
    for line in open(f):
        stack,_,n=line.rstrip().rpartition(' ')
        n=int(n); fr=stack.split(';')
        th[fr[0]]+=n
        if 'store-writer' not in fr[0]: continue
        tot+=n
        seen=set()
        for k in keys:
            if any(k in x for x in fr): c[k]+=n
    all_=sum(th.values())
    print(f, "writer samples", tot, "of", all_, "(%.0f%%)"%(100*tot/max(all_,1)))
    for k in keys:
        if c[k]: print("  %-32s %5.1f%%"%(k,100*c[k]/tot))
