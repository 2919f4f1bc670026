<?php
// A worker for what the upstream server says.  With [inbound] stream =
// ws:in, wspushd adds each of the server's messages to the Redis Stream
// ws:in, with the fields data (the message, byte for byte), type (text or
// binary) and time (when wspushd received it, Unix milliseconds).  This
// reads them as they come, with XREAD BLOCK, and hands each to
// handle_reply().  Run it as a service of its own (php replies.php), never
// from a web request: it waits.
//
// REDIS_HOST and REDIS_PORT say where Redis is; REPLIES_FROM where to
// start ('$', the default: what comes from now on; '0': all the stream
// still holds; or the last ID a previous run handled, so a restart misses
// nothing); REPLIES_MAX stops it once it has handled that many (0, the
// default: never).

function handle_reply(string $id, string $data, string $type, int $time): void
{
    // The application's part.  Here: one line each, binary shown as hex.
    $shown = $type === 'text' ? $data : bin2hex($data);
    echo "$id $type $time $shown\n";
}

$redis = new Redis();
$redis->connect(getenv('REDIS_HOST') ?: '127.0.0.1', (int) (getenv('REDIS_PORT') ?: 6379));
$last = (string) getenv('REPLIES_FROM');    // not ?:, which would take '0' for unset
if ($last === '') {
    $last = '$';
}
$max = (int) (getenv('REPLIES_MAX') ?: 0);

// --- example ---
if ($last === '$') {
    // "From now on" as an ID, so nothing added between two reads is missed.
    $newest = $redis->xRevRange('ws:in', '+', '-', 1);
    $last = $newest ? array_key_first($newest) : '0-0';
}
for ($seen = 0; $max === 0 || $seen < $max;) {
    // Up to 100 entries after $last, waiting up to 5 s for the first.
    $batch = $redis->xRead(['ws:in' => $last], 100, 5000);
    foreach (is_array($batch) ? ($batch['ws:in'] ?? []) : [] as $id => $fields) {
        $last = $id;
        handle_reply($id, $fields['data'], $fields['type'], (int) $fields['time']);
        $seen++;
    }
}
// --- end ---
