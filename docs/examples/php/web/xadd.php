<?php
// POST /xadd.php with the message as the body: XADD to the Stream ws:out,
// which wspushd reads and acknowledges once the upstream has the message.
// 202 and the entry's ID once Redis keeps it, even while wspushd is down;
// 503 when Redis cannot be reached.  REDIS_HOST and REDIS_PORT say where
// Redis is.

if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
    http_response_code(405);
    exit;
}

// --- example ---
$message = file_get_contents('php://input');
try {
    $redis = new Redis();
    $redis->pconnect(getenv('REDIS_HOST') ?: '127.0.0.1', (int) (getenv('REDIS_PORT') ?: 6379));
    $id = $redis->xAdd('ws:out', '*', ['data' => $message], 1000000, true);   // MAXLEN ~ 1000000
} catch (RedisException $e) {
    error_log('Redis: ' . $e->getMessage());
    $id = false;
}
http_response_code($id ? 202 : 503);
echo $id, "\n";
// --- end ---
