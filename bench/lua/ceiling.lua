-- The same request line as filter.lua, against the constant-response ceiling server.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

function init(args)
  common.init()
end

function request()
  local n = math.random(0, 99999)
  local path = string.format(
    "/scim/v2/Users?filter=userName%%20eq%%20%%22User%06d%%40bench.example%%22", n)
  return wrk.format("GET", path, common.headers)
end
