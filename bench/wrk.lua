-- wrk script of bench/run: GET /v1/search over the query mix of
-- bench/queries.txt (path given after "--"), each thread starting at a
-- different query, round robin, keep-alive.
local paths = {}
local n = 0

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function load(file)
  for line in io.lines(file) do
    if line:sub(1, 1) ~= "#" and line ~= "" then
      local _, q, opt = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
      if q ~= nil then
        local p = "/v1/search?q=" .. urlencode(q)
        local off = opt and opt:match("^offset=(%d+)")
        if off then p = p .. "&offset=" .. off end
        paths[#paths + 1] = p
      end
    end
  end
end

local thread_no = 0
function setup(thread)
  thread:set("start", thread_no)
  thread_no = thread_no + 1
end

function init(args)
  load(args[1] or "bench/queries.txt")
  n = (start or 0) * 37
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
