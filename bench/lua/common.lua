-- Shared by the phase scripts: the token, the seeded ids, a per-thread random sequence.
-- Environment: BENCH_TOKEN (a SCIM key), BENCH_DATA (the directory `seed` wrote).
local common = {}

local token = os.getenv("BENCH_TOKEN")
if token == nil or token == "" then
  error("BENCH_TOKEN is not set")
end
common.headers = {
  ["Authorization"] = "Bearer " .. token,
  ["Accept"] = "application/scim+json",
}
-- The same, for requests with a body.
common.write_headers = {
  ["Content-Type"] = "application/scim+json",
}
for k, v in pairs(common.headers) do
  common.write_headers[k] = v
end

-- The lines of <BENCH_DATA>/<name>: ids written by the seeder.
function common.lines(name)
  local dir = os.getenv("BENCH_DATA") or "."
  local path = dir .. "/" .. name
  local file = io.open(path, "r")
  if file == nil then
    error("cannot read " .. path)
  end
  local lines = {}
  for line in file:lines() do
    lines[#lines + 1] = line
  end
  file:close()
  return lines
end

-- Every wrk thread gets its own random sequence.
local counter = 0
function common.setup(thread)
  counter = counter + 1
  thread:set("thread_index", counter)
end

function common.init()
  math.randomseed(os.time() * 1000 + (thread_index or 0))
end

return common
