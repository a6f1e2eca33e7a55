-- PATCH /scim/v2/Users/<a seeded user> replacing `active` as Okta deactivates (and reactivates)
-- users: `{"op":"replace","value":{"active":false}}`, without a path.
-- Environment: BENCH_TOKEN, BENCH_DATA.
--
-- Every request changes its user: the users are taken in a shuffled order, `active` is false on
-- the first pass over them, true on the second, and so on. Picking users at random instead
-- makes most requests no-ops once most users are deactivated (the store answers an unchanged
-- PATCH without writing), and on a small tenant that happens within seconds: that is what
-- deactivate_random.lua measures, for comparison.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local headers = common.write_headers

setup = common.setup

local ids
local n = 0
local bodies = {}

function init(args)
  common.init()
  ids = common.lines("users.txt")
  -- Fisher-Yates, so that consecutive requests touch unrelated parts of the tables.
  for i = #ids, 2, -1 do
    local j = math.random(1, i)
    ids[i], ids[j] = ids[j], ids[i]
  end
  for _, value in ipairs({ "false", "true" }) do
    bodies[value] = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],' ..
      '"Operations":[{"op":"replace","value":{"active":' .. value .. '}}]}'
  end
end

function request()
  if random_users then
    return wrk.format("PATCH", "/scim/v2/Users/" .. ids[math.random(1, #ids)], headers, bodies["false"])
  end
  local pass = math.floor(n / #ids)
  local id = ids[n % #ids + 1]
  n = n + 1
  local body = bodies[pass % 2 == 0 and "false" or "true"]
  return wrk.format("PATCH", "/scim/v2/Users/" .. id, headers, body)
end
