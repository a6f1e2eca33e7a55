-- GET /scim/v2/Users/<a random seeded id>
-- Environment: BENCH_TOKEN, BENCH_DATA.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local ids
setup = common.setup

function init(args)
  common.init()
  ids = common.lines("users.txt")
end

function request()
  return wrk.format("GET", "/scim/v2/Users/" .. ids[math.random(1, #ids)], common.headers)
end
