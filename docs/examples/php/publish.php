<?php
// A web request hands one message to wspushd: a PUBLISH on a Redis
// connection that PHP-FPM keeps open across requests (pconnect), and no
// WebSocket.  REDIS_HOST and REDIS_PORT say where Redis is.

// --- example ---
$redis = new Redis();
$redis->pconnect(getenv('REDIS_HOST') ?: '127.0.0.1', (int) (getenv('REDIS_PORT') ?: 6379));
$message = json_encode(['event' => 'order.created', 'id' => 42]);
if ($redis->publish('ws:out', $message) === 0) {
    // No subscriber: wspushd is not running and Pub/Sub keeps nothing, so
    // the message reached nobody.  Say so, and let the caller retry.
    error_log('ws:out: no subscriber, message not relayed: ' . $message);
    http_response_code(503);
    exit("not relayed: wspushd is not running\n");
}
echo "published\n";
// --- end ---
