-- PATCH /scim/v2/Groups/<the seeded 100,000-member group>, adding one user who is not a member.
-- Environment: BENCH_TOKEN, BENCH_DATA; BENCH_SPARE_FIRST and BENCH_SPARE_COUNT choose the spare
-- users (lines of spare.txt, 1-based; default all), so that phases run one after another each
-- add users who are not yet members. BENCH_THREADS must be wrk's -t: threads take disjoint
-- slices. A thread that has used up its slice starts it again (those adds then change nothing).
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local headers = common.write_headers

setup = common.setup

local spare, group, path
local next_index, first, last

function init(args)
  common.init()
  spare = common.lines("spare.txt")
  group = common.lines("group.txt")[1]
  path = "/scim/v2/Groups/" .. group
  local from = tonumber(os.getenv("BENCH_SPARE_FIRST") or "1")
  local count = tonumber(os.getenv("BENCH_SPARE_COUNT") or tostring(#spare - from + 1))
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local size = math.floor(count / threads)
  first = from + (thread_index - 1) * size
  last = first + size - 1
  next_index = first
end

function request()
  local id = spare[next_index]
  next_index = next_index + 1
  if next_index > last then
    next_index = first
  end
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],' ..
    '"Operations":[{"op":"add","path":"members","value":[{"value":"' .. id .. '"}]}]}'
  return wrk.format("PATCH", path, headers, body)
end
