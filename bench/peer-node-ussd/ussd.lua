-- bench/peer-node-ussd/ussd.lua: the Node peer's USSD sessions for wrk
-- (bench/run.sh), the same client shape as bench/ussd.lua against Aduan.
--
--   wrk -tN -cN ... -s bench/peer-node-ussd/ussd.lua URL -- TAG
--
-- Adapted from the peer's own script (see README.md here): the same
-- sessions as bench/ussd.lua (same texts, one connection per wrk thread,
-- a new session id and phone number per session), POSTed to the peer's
-- /ussd, and every answer checked against the screen the peer must show
-- at that step:
--   ""                     CON Layanan Aduan ...
--   "1"                    CON Pilih kategori: ...
--   "1*C"                  CON Lokasi ...
--   "1*C*LOC"              CON Jelaskan masalah:
--   "1*C*LOC*DESC"         CON Kirim aduan? ...
--   "1*C*LOC*DESC*1"       END Aduan diterima. Tiket N ...
-- done() prints the BENCH line of bench/ussd.lua.

local threads = {}
local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
   table.insert(threads, thread)
end

local function urlencode(s)
   return (s:gsub("[^%w%.%-_~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

local locations = { "Desa Bejalen, Ambarawa", "Jl. Pemuda 12, Ungaran", "Kel. Bandarjo RT 3",
                    "Pasar Bandungan" }
local descs = { "Jalan berlubang besar depan SD 2", "Sampah tidak diangkut seminggu",
                "Air mati sejak kemarin", "Lampu mati tiap malam" }

function init(args)
   tag = args[1] or "peer"
   if tid == nil then tid = 1 end
   session = 0
   step = 0
   ok = 0
   bad = 0
   sessions = 0
   sample = ""
end

local function text_for(s, st)
   if st == 0 then return "" end
   local parts = { "1", tostring(1 + s % 6), locations[s % #locations + 1],
                   descs[s % #descs + 1], "1" }
   return table.concat(parts, "*", 1, st)
end

function request()
   local body = "sessionId=ATUid_" .. tag .. "_" .. tid .. "_" .. session ..
      "&serviceCode=" .. urlencode("*123#") ..
      "&phoneNumber=" .. urlencode(string.format("+62813%02d%06d", tid % 100, session % 1000000)) ..
      "&networkCode=51010&text=" .. urlencode(text_for(session, step))
   return wrk.format("POST", "/ussd",
      { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

local function next_session()
   session = session + 1
   step = 0
end

local expect = { "^CON Layanan Aduan", "^CON Pilih kategori", "^CON Lokasi", "^CON Jelaskan masalah",
                 "^CON Kirim aduan%?" }

function response(status, headers, body)
   local good
   if step < 5 then
      good = status == 200 and body:find(expect[step + 1]) ~= nil
   else
      good = status == 200 and body:find("^END Aduan diterima%. Tiket %d%d%d%d%d%d%d%d") ~= nil
   end
   if good then
      ok = ok + 1
      if step == 5 then
         sessions = sessions + 1
         next_session()
      else
         step = step + 1
      end
   else
      bad = bad + 1
      if sample == "" then
         sample = "step " .. step .. ": " .. status .. " " .. body:sub(1, 160):gsub("%s+", " ")
      end
      -- Whatever went wrong, the next request starts a new session.
      next_session()
   end
end

function done(summary, latency, requests)
   local tok, tbad, tsess, smp = 0, 0, 0, ""
   for _, t in ipairs(threads) do
      tok = tok + (t:get("ok") or 0)
      tbad = tbad + (t:get("bad") or 0)
      tsess = tsess + (t:get("sessions") or 0)
      local s = t:get("sample")
      if smp == "" and s ~= nil then smp = s end
   end
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d secs=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "ok=%d bad=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d " ..
      "sessions=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      tok, tbad, e.connect, e.read, e.write, e.status, e.timeout, tsess))
   if smp ~= "" then io.write("BENCH_SAMPLE " .. smp .. "\n") end
end
