-- wrk script for spike.py: counts answers by status and checks that every 503 is a problem with Retry-After.
-- Each wrk thread counts in its own Lua state; done() adds them up and prints one JSON line.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
    bad_refusals = 0
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status == 503 and (headers["Content-Type"] ~= "application/problem+json" or headers["Retry-After"] == nil) then
        bad_refusals = bad_refusals + 1
    end
end

function done(summary, latency, requests)
    local total, bad = {}, 0
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do
            total[status] = (total[status] or 0) + count
        end
        bad = bad + thread:get("bad_refusals")
    end
    local parts = {}
    for status, count in pairs(total) do
        table.insert(parts, string.format('"%d":%d', status, count))
    end
    io.write(string.format('SPIKE {"statuses":{%s},"bad_refusals":%d}\n', table.concat(parts, ","), bad))
end
