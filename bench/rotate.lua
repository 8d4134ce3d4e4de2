-- wrk script for bench/run.py: every request asks for the next path of a list, so that each one
-- is a URL the server has not just answered (readers rarely ask for the same page twice).
-- Arguments after "--": the file of paths (one per line) and the line to start from.

local paths = {}
local position = 0
local threads = 0

function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  -- Threads start half a list apart, so that two of them never ask for the same URL at once.
  local start = tonumber(args[2] or "0") + (thread_number or 0) * math.floor(#paths / 2)
  position = start % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format(nil, paths[position])
end
