-- Tables: sorting with comparators, metatables, inheritance, weak tables, varargs.
local t = { 5, 3, 8, 1, 9, 2 }
table.sort(t)
print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
local people = { { name = "ann", age = 31 }, { name = "bob", age = 25 }, { name = "cy", age = 31 } }
table.sort(people, function(a, b) if a.age ~= b.age then return a.age < b.age end return a.name < b.name end)
for _, p in ipairs(people) do io.write(p.name, "/", p.age, " ") end
print()
table.insert(t, 1, 100); table.insert(t, 7); print(table.remove(t), table.remove(t, 1), #t)
print(table.unpack({ 1, 2, 3 }, 2), select(2, "a", "b", "c"), select(-1, "a", "b", "c"))
print(table.concat(table.move({ 1, 2, 3 }, 1, 3, 2, { 9 }), ","))
local keys = {}
for k in pairs({ z = 1, a = 2, m = 3 }) do keys[#keys + 1] = k end
table.sort(keys)
print(table.concat(keys))
-- Metatables: a vector type.
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({ x = a.x + b.x, y = a.y + b.y }, V) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__tostring = function(v) return "(" .. v.x .. "," .. v.y .. ")" end
V.__len = function() return 2 end
V.__call = function(v, k) return v.x * k end
function V.new(x, y) return setmetatable({ x = x, y = y }, V) end
function V:dot(o) return self.x * o.x + self.y * o.y end
local a, b = V.new(1, 2), V.new(3, 4)
print(tostring(a + b), a == V.new(1, 2), #a, a(10), a:dot(b), rawequal(a, V.new(1, 2)))
-- Inheritance and __newindex.
local Base = { kind = "base" }
Base.__index = Base
function Base.describe(self) return self.kind .. ":" .. (self.name or "?") end
local Derived = setmetatable({ kind = "derived" }, { __index = Base })
Derived.__index = Derived
local obj = setmetatable({ name = "o" }, Derived)
print(obj:describe(), getmetatable(obj) == Derived)
local log = {}
local proxy = setmetatable({}, { __newindex = function(t2, k, v) log[#log + 1] = k .. "=" .. tostring(v); rawset(t2, k, v) end })
proxy.a = 1; proxy.b = 2; proxy.a = 3
print(table.concat(log, " "), proxy.a)
-- Weak tables: a collected key goes.
local weak = setmetatable({}, { __mode = "k" })
do weak[{}] = 1 end
weak[V] = 2
collectgarbage(); collectgarbage()
local n = 0
for _ in pairs(weak) do n = n + 1 end
print("weak entries", n)
-- A big table and integer/float keys.
local big = {}
for i = 1, 100000 do big[i] = i * i end
local sum = 0
for i = 1, #big do sum = sum + big[i] % 7 end
print(#big, sum, big[2.0], big[100000])
-- Closures and upvalues.
local function counter() local c = 0 return function() c = c + 1 return c end end
local c1, c2 = counter(), counter()
print(c1(), c1(), c2(), c1())
local ok, err = pcall(error, { code = 7 })
print(ok, type(err), err.code, select(2, pcall(error, "msg", 0)), select(2, pcall(function() local x = nil; return x.y end)) ~= nil)
print(xpcall(function() error("deep") end, function(m) return "handled: " .. (m:gsub("^.-:%d+: ", "")) end))
