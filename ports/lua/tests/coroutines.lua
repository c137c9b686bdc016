-- Coroutines: generators, passing values both ways, wrap, status, errors, close.
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local out = {}
for v in gen(5) do out[#out + 1] = v end
print(table.concat(out, ","))
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "done", d + e
end)
print(coroutine.status(co), coroutine.resume(co, 1, 2))
print(coroutine.status(co), coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))
local bad = coroutine.create(function() error("inside") end)
local ok, msg = coroutine.resume(bad)
print(ok, (msg:gsub("^.-:%d+: ", "")), coroutine.status(bad))
print(coroutine.isyieldable(), select(2, coroutine.running()))
-- A producer/consumer pipeline through a filter.
local function producer() return coroutine.create(function() for _, w in ipairs({ "a", "bb", "ccc", "dddd" }) do coroutine.yield(w) end end) end
local function filter(src) return coroutine.create(function()
  while true do
    local _, w = coroutine.resume(src)
    if not w then return end
    if #w % 2 == 0 then coroutine.yield(w:upper()) end
  end end) end
local f = filter(producer())
while true do
  local _, w = coroutine.resume(f)
  if not w then break end
  io.write(w, " ")
end
print()
-- Deep recursion through many coroutines, and close with a pending to-be-closed variable.
local function nest(n) if n == 0 then return 0 end local c = coroutine.wrap(function() return 1 + nest(n - 1) end) return c() end
print(nest(150))
local closed = false
local cc = coroutine.create(function()
  local x <close> = setmetatable({}, { __close = function() closed = true end })
  coroutine.yield(1)
end)
coroutine.resume(cc)
print(coroutine.close(cc), closed, coroutine.status(cc))
