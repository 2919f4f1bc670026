<?php
// POST /publish.php with the message as the body: one PUBLISH on ws:out
// for wspushd to relay.  202 once wspushd has it; 503 when nobody took it
// (wspushd is not running) or Redis cannot be reached.  REDIS_HOST and
// REDIS_PORT say where Redis is.

if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
    http_response_code(405);
    exit;
}

// --- example ---
$message = file_get_contents('php://input');
try {
    $redis = new Redis();
    $redis->pconnect(getenv('REDIS_HOST') ?: '127.0.0.1', (int) (getenv('REDIS_PORT') ?: 6379));
    $receivers = $redis->publish('ws:out', $message);
} catch (RedisException $e) {
    error_log('Redis: ' . $e->getMessage());
    $receivers = false;
}
if ($receivers === 0) {
    error_log('ws:out: no subscriber, message not relayed');
}
http_response_code($receivers ? 202 : 503);
// --- end ---
