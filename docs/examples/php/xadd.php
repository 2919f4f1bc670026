<?php
// A durable hand-over: XADD to the Redis Stream ws:out, which wspushd reads
// as a consumer group ([redis] stream = ws:out) and acknowledges only once
// the upstream has the message.  REDIS_HOST and REDIS_PORT say where Redis is.

$redis = new Redis();
$redis->pconnect(getenv('REDIS_HOST') ?: '127.0.0.1', (int) (getenv('REDIS_PORT') ?: 6379));

// --- example ---
$id = $redis->xAdd('ws:out', '*', ['data' => json_encode(['event' => 'order.paid', 'id' => 42])],
                   1000000, true);   // MAXLEN ~ 1000000: the stream stays bounded
echo "added $id\n";
// --- end ---
