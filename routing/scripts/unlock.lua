-- ARGV: the token the rebuild lock was taken with. Frees the lock only if it is still ours: it
-- may have expired and been taken by another replica meanwhile.
if redis.call('GET', K.rebuild_lock()) == ARGV[3] then redis.call('DEL', K.rebuild_lock()) end
return reply('ok')
