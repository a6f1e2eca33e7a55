-- GET /scim/v2/Users?filter=userName eq "<a random seeded user>"
-- Environment: BENCH_TOKEN, BENCH_USERS (how many users were seeded; default 100000).
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local users = tonumber(os.getenv("BENCH_USERS") or "100000")
setup = common.setup

function init(args)
  common.init()
end

function request()
  local n = math.random(0, users - 1)
  -- The seeder's names are lower case; the filter asks in another case, as IdPs do.
  local path = string.format(
    "/scim/v2/Users?filter=userName%%20eq%%20%%22User%06d%%40bench.example%%22", n)
  return wrk.format("GET", path, common.headers)
end
