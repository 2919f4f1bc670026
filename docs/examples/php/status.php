<?php
// Look before publishing: wspushd keeps its state in the Redis hash
// wspushd:status ([status] key), with a TTL that lapses once it is gone.
// REDIS_HOST and REDIS_PORT say where Redis is.

$redis = new Redis();
$redis->pconnect(getenv('REDIS_HOST') ?: '127.0.0.1', (int) (getenv('REDIS_PORT') ?: 6379));

// --- example ---
$state = $redis->hGet('wspushd:status', 'state');   // false: no status at all
if ($state !== 'open') {
    // wspushd is stopped, or its upstream is down (a running wspushd would
    // queue the message, bounded): keep it for later, or tell the caller.
    http_response_code(503);
    exit('not published: wspushd is ' . ($state ?: 'not running') . "\n");
}
// A wspushd killed outright still shows "open" until the TTL lapses:
// PUBLISH's count has the last word.
if ($redis->publish('ws:out', json_encode(['event' => 'order.shipped', 'id' => 42])) === 0) {
    http_response_code(503);
    exit("not relayed: wspushd is not running\n");
}
echo "published\n";
// --- end ---
