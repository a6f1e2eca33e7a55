-- PATCH active=false on a random seeded user each time, repeats included: how the first
-- measurement of issue 12 deactivated users. On a tenant of 10,000 users nearly every user is
-- inactive after a second or two, and the requests after that change nothing (the store
-- answers them without writing); on a tenant of 100,000 most still write. The two sizes then
-- measure different work: compare deactivate.lua's figures instead.
-- Environment: BENCH_TOKEN, BENCH_DATA.
random_users = true
dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "deactivate.lua")
