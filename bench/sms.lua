-- bench/sms.lua: Kannel-style GET callbacks for wrk (see bench/run.sh).
--
--   wrk ... -s bench/sms.lua URL -- TAG MODE SECRET [NIDS]
--
-- MODE new:   every request is a new SMS: a message id never used before
--             (TAG-thread-counter), a distinct phone number per request
--             (0812 + 2 digits of thread + 6 of counter), and a real
--             complaint text that starts with or contains a keyword.
-- MODE retry: the message ids TAG-r-0 .. TAG-r-(NIDS-1), each always with
--             the same phone and text: after the first round every request
--             is smsbox retrying a callback whose answer was lost.
--
-- Every answer must be 200 with an 8-digit ticket number in the body.  The
-- others are counted per thread (response) and printed by done() with a
-- sample, with wrk's own socket errors: a run that measured errors says so.
--
-- done() prints one line that bench/run.sh parses:
--   BENCH requests=N secs=X rps=X p50_ms=X p99_ms=X max_ms=X ok=N bad=N err_connect=N ...
-- and, when something was wrong, BENCH_SAMPLE <status> <body>.

local threads = {}
local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
   table.insert(threads, thread)
end

local texts = {
   "JALAN Jl. Diponegoro depan SMP 2 Ungaran berlubang besar, sudah dua minggu belum diperbaiki",
   "Sampah menumpuk di pinggir pasar Bandungan, bau dan banyak lalat",
   "Air PDAM mati sejak kemarin pagi di Perum Griya Asri Bergas",
   "lampu jalan mati sejak seminggu di Jl. Gatot Subroto Ungaran, gelap dan rawan",
   "LISTRIK padam tiap malam di Desa Bejalen Ambarawa sejak hari Senin",
   "Puskesmas Bawen tutup jam 11 padahal jadwal sampai jam 14",
   "KTP elektronik saya belum jadi sudah 3 bulan, mohon dibantu",
   "PKL menutup trotoar depan alun-alun Ungaran setiap sore",
}

local function urlencode(s)
   return (s:gsub("[^%w%.%-_~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

function init(args)
   tag = args[1] or "sms"
   mode = args[2] or "new"
   secret = urlencode(args[3] or "")
   nids = tonumber(args[4] or "1000")
   if tid == nil then tid = 1 end
   enc = {}
   for i, t in ipairs(texts) do enc[i] = urlencode(t) end
   started = os.time()
   counter = 0
   ok = 0
   bad = 0
   sample = ""
end

function request()
   local n, id, k
   if mode == "retry" then
      -- Threads start at different places in the ring of ids.
      k = (counter + (tid - 1) * 397) % nids
      id = tag .. "-r-" .. k
      n = k
   else
      n = counter
      id = tag .. "-" .. tid .. "-" .. counter
   end
   counter = counter + 1
   -- A retried id keeps its phone whichever thread sends it: the store
   -- takes the same id from another sender for a new message.
   local who = tid % 100
   if mode == "retry" then who = 99 end
   local phone = string.format("0812%02d%06d", who, n % 1000000)
   local path = "/kannel/sms?secret=" .. secret .. "&from=" .. phone ..
      "&to=1708&text=" .. enc[n % #enc + 1] ..
      "&coding=0&charset=UTF-8&id=" .. id .. "&time=" .. started
   return wrk.format("GET", path)
end

function response(status, headers, body)
   if status == 200 and body:find("%d%d%d%d%d%d%d%d") then
      ok = ok + 1
   else
      bad = bad + 1
      if sample == "" then
         sample = status .. " " .. body:sub(1, 160):gsub("%s+", " ")
      end
   end
end

function done(summary, latency, requests)
   local tok, tbad, smp = 0, 0, ""
   for _, t in ipairs(threads) do
      tok = tok + (t:get("ok") or 0)
      tbad = tbad + (t:get("bad") or 0)
      local s = t:get("sample")
      if smp == "" and s ~= nil then smp = s end
   end
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d secs=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "ok=%d bad=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      tok, tbad, e.connect, e.read, e.write, e.status, e.timeout))
   if smp ~= "" then io.write("BENCH_SAMPLE " .. smp .. "\n") end
end
