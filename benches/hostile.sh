#!/usr/bin/env bash
# Hostile requests against the release server on loopback (issue 8, item 3): every case of
# the issue once, timed, then a flood of the most expensive ones beside ordinary traffic.
# Fails if any answer is a 5xx, if an error is not JSON (except hyper's own 414 for request
# lines over 64 kB, which never reach the router), or if the ordinary traffic sees anything
# but 200. Bounded: about 30 s. Usage: benches/hostile.sh [port]   (default 3301)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-3301}"
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { echo "hostile: wrk is needed (apt-get install wrk)" >&2; exit 1; }; }
cargo build --release --quiet
"${CARGO_TARGET_DIR:-target}/release/abstract-search" serve --addr "127.0.0.1:$port" --index "$work/index" \
    >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$base/healthz" >/dev/null

py() { python3 -c "$1"; }
gibberish() { py "
import random; random.seed($3)
print('+'.join(''.join(random.choice('abcdefghijklmnopqrstuvwxyz') for _ in range($2)) for _ in range($1)))"; }

cases=(
    "/api/search?q=$(py "print('a'*100000)")"
    "/api/search?q=$(py "print('a'*60000)")"
    "/api/search?q=$(py "print('+'.join('w%d' % i for i in range(5000)))")"
    "/api/search?q=$(py "print('de+'*500)")"
    "/api/search?q=$(py "print('a,'*500)")"
    "/api/search?q=1+2+3+4+5+6+7+8+9+10+11+12"
    "/api/search?q=$(py "print('('*990+'calorimeter'+')'*990)")"
    "/api/search?q=a:(%5E"
    "/api/search?q=(%5E"
    "/api/search?q=x&page=1000000000"
    "/api/search?per_page=-1"
    "/api/search?per_page=0"
    "/api/search?per_page=1000000"
    "/api/search?q=a&q=b"
    "/api/search?theme=A&theme=B&lab=LAL&lab=CEA"
    "/api/search?q=x&unknown=1&other=2"
    "/api/search?q=%FF%FE%C3%28"
    "/api/search?lab=CNRS%2FIN2P3"
    "/api/search?theme=a%5Cb"
    "/api/search?theme=%22x%22"
    "/api/search?theme=%00"
    "/api/search?q=$(gibberish 32 58 1)&per_page=100"
    "/api/search?q=$(gibberish 32 20 2)&per_page=100"
    "/api/search?q=%22$(py "print('+'.join(['learning']*220))")%22&per_page=100"
    "/api/suggest?q=$(py "print('+'.join(['c']*999))")&limit=20"
    "/api/search.ics?q=learning&per_page=100"
    "/api/facets/lab?q=%00&limit=1000"
    "/api/contributions/%FF/1"
    "/api/contributions/..%2F..%2Fetc%2Fpasswd/1"
)

failures=0
slowest=0
printf '%-6s %9s  %s\n' status seconds request
for path in "${cases[@]}"; do
    out="$(curl -s -o "$work/body" -w '%{http_code} %{time_total} %{content_type}' "$base$path")"
    read -r status seconds content_type <<<"$out"
    printf '%-6s %9s  %s\n' "$status" "$seconds" "$(printf '%s' "$path" | cut -c1-90)"
    slowest="$(py "print(max($slowest, $seconds))")"
    if [ "${status:0:1}" = 5 ] || [ "$status" = 000 ]; then
        echo "  FAIL: server error or no answer" >&2; failures=$((failures + 1))
    elif [ "$status" != 200 ] && [ "$status" != 414 ] && [[ "$content_type" != application/json* ]]; then
        echo "  FAIL: $status answered as $content_type" >&2; failures=$((failures + 1))
    fi
done

# Raw bytes that curl would encode: invalid UTF-8 and a NUL in the request line.
raw_status() {
    python3 - "$port" "$1" <<'EOF'
import socket, sys
port, line = int(sys.argv[1]), bytes.fromhex(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET " + line + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
print(s.recv(100).split(b"\r\n")[0].decode("latin-1"))
EOF
}
for hex in "$(printf '/api/search?q=\xff\xfe' | xxd -p)" "$(printf '/api/search?q=a' | xxd -p)00" "$(printf '/api/contributions/\xc3\x28/1' | xxd -p)"; do
    answer="$(raw_status "$hex")"
    echo "raw    $answer  $(echo "$hex" | xxd -r -p | cat -v)"
    case "$answer" in *" 5"*) echo "  FAIL: server error" >&2; failures=$((failures + 1)) ;; esac
done
echo "slowest single hostile request: ${slowest} s"

# Flood: 64 connections cycling the costly requests for 10 s, while 4 connections send an
# ordinary search; every answer is tallied by status.
cat >"$work/hostile.lua" <<EOF
local paths = {
  "/api/search?q=$(gibberish 32 58 3)&per_page=100",
  "/api/search?q=$(gibberish 32 20 4)&per_page=100",
  "/api/search?q=%22$(py "print('+'.join(['learning']*220))")%22&per_page=100",
  "/api/search?q=$(py "print('a,'*500)")",
  "/api/suggest?q=$(py "print('+'.join(['c']*999))")&limit=20",
  "/api/search?q=x&page=1000000000",
  "/api/search?theme=%00",
}
local i = 0
request = function() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end
EOF
cat >"$work/tally.lua" <<'EOF'
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function() counts = {} end
response = function(status) counts[status] = (counts[status] or 0) + 1 end
done = function()
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d: %d\n", status, n)) end
end
EOF
cat "$work/hostile.lua" "$work/tally.lua" >"$work/flood.lua"
wrk -t2 -c64 -d10s --latency -s "$work/flood.lua" "$base" >"$work/flood.txt" 2>&1 &
flood_pid=$!
sleep 1
wrk -t1 -c4 -d8s --latency -s "$work/tally.lua" "$base/api/search?q=calorimeter" >"$work/ordinary.txt" 2>&1
wait "$flood_pid"
echo "--- hostile flood (64 connections, 10 s)"; cat "$work/flood.txt"
echo "--- ordinary searches during the flood (4 connections, 8 s)"; cat "$work/ordinary.txt"
if grep -q '^status 5' "$work/flood.txt" "$work/ordinary.txt"; then
    echo "FAIL: 5xx under the flood" >&2; failures=$((failures + 1))
fi
if grep '^status' "$work/ordinary.txt" | grep -vq '^status 200:'; then
    echo "FAIL: ordinary searches got something else than 200" >&2; failures=$((failures + 1))
fi
if grep -q 'Socket errors' "$work/flood.txt" "$work/ordinary.txt"; then
    echo "FAIL: connection errors" >&2; failures=$((failures + 1))
fi
echo "server log lines at ERROR: $(grep -c ' ERROR ' "$work/serve.log" || true)"
if [ "$failures" -ne 0 ]; then echo "hostile: $failures failures" >&2; exit 1; fi
echo "hostile: all answers 200 or JSON 4xx, none 5xx"
