-- wrk script: POSTs the GraphQL body in the file named by BODY_FILE, or, when NODE_IDS is set
-- ("first:last:prefix"), a node fetch of a random record in that id range. Counts answers that
-- are not HTTP 200 or that carry GraphQL errors, and prints them as "failed: N" at the end.
local body_file = os.getenv("BODY_FILE")
local node_ids = os.getenv("NODE_IDS")
local template = os.getenv("NODE_TEMPLATE")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
if body_file then
  local f = assert(io.open(body_file, "r"))
  wrk.body = f:read("*a")
  f:close()
end

local first, last
if node_ids then
  first, last = node_ids:match("^(%d+):(%d+)$")
  first, last = tonumber(first), tonumber(last)
end

local function b64(s)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  return ((s:gsub(".", function(x)
    local r, byte = "", x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return alphabet:sub(c + 1, c + 1)
  end))
end

request = function()
  if first then
    local id = math.random(first, last)
    -- {ID} is the plain row id, {GID} this API's global ID of a project.
    local body = template:gsub("{GID}", b64("Project:" .. id)):gsub("{ID}", tostring(id))
    return wrk.format(nil, nil, nil, body)
  end
  return wrk.format()
end

-- Global, not local: `done` reads each thread's count with `thread:get`, which sees globals only.
failed = 0
response = function(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    failed = failed + 1
  end
end

-- Each thread has its own Lua state: gather the counts through the threads' tables.
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("failed") or 0) end
  -- Non-200 answers are counted by `response` above; these are the transport failures.
  local transport = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("failed: %d\n", total + transport))
  io.write(string.format("rps: %.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50_ms: %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("p99_ms: %.2f\n", latency:percentile(99) / 1000))
end
