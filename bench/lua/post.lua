-- POST /scim/v2/Users with a new user each time, as Okta sends it.
-- Environment: BENCH_TOKEN.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local headers = common.write_headers

local prefix
local n = 0
setup = common.setup

function init(args)
  common.init()
  -- Unique across runs against the same database and across threads.
  prefix = string.format("post%d-%d-%d", os.time(), thread_index or 0, math.random(0, 1e9))
end

function request()
  n = n + 1
  local user = string.format("%s-%d@bench.example", prefix, n)
  local body = string.format(
    '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s",' ..
    '"externalId":"00u%s-%d","name":{"givenName":"Given","familyName":"Family%d"},' ..
    '"displayName":"Given Family%d","emails":[{"primary":true,"value":"%s","type":"work"}],' ..
    '"active":true}',
    user, prefix, n, n, n, user)
  return wrk.format("POST", "/scim/v2/Users", headers, body)
end
