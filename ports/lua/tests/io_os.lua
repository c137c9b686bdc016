-- io and os: files written, read back by lines, numbers and blocks, seek, append,
-- rename and remove, popen and os.execute with exit statuses, os.time and os.date
-- in UTC. The directory is the first argument (a scratch directory).
local dir = arg[1] or "/tmp"
local path = dir .. "/lua_io_test.txt"
local f = assert(io.open(path, "w"))
f:write("line one\n", "line two\n", 42, " ", 3.5, "\n", "last line without newline")
f:close()
for line in io.lines(path) do io.write("[", line, "] ") end
print()
f = assert(io.open(path, "r"))
print(f:read("l"), f:read("L"), f:read("n"), f:read("n"), f:read("a"))
print(f:seek("set", 5), f:read(3), f:seek("cur"), f:seek("end"))
f:close()
f = assert(io.open(path, "a")); f:write("\nappended"); f:close()
f = assert(io.open(path, "rb")); local all = f:read("a"); f:close()
print(#all, select(2, all:gsub("\n", "")))
print(io.type(f), io.type(io.stdout), io.type(42))
local renamed = dir .. "/lua_io_renamed.txt"
print(os.rename(path, renamed), io.open(path) == nil, os.remove(renamed), os.remove(renamed) == nil)
-- A binary file of every byte value.
local bin = dir .. "/lua_io_bin"
f = assert(io.open(bin, "wb")); for i = 0, 255 do f:write(string.char(i)) end; f:close()
f = assert(io.open(bin, "rb")); local data = f:read("a"); f:close()
local ok = #data == 256
for i = 0, 255 do ok = ok and data:byte(i + 1) == i end
print("binary round trip", ok); os.remove(bin)
local none, why, code = io.open(dir .. "/does/not/exist", "r")
print(none, why:sub(#dir + 1), code)
-- Processes.
print(os.execute("true"))
print(os.execute("exit 3"))
print(os.execute("kill -TERM $$"))
print(os.execute() ~= nil)
local p = assert(io.popen("echo from a child; echo second", "r"))
print(p:read("a"), p:close())
p = assert(io.popen("cat > " .. dir .. "/lua_popen_w", "w")); p:write("written through a pipe\n"); print(p:close())
f = assert(io.open(dir .. "/lua_popen_w")); print(f:read("a")); f:close(); os.remove(dir .. "/lua_popen_w")
-- Time, in UTC.
local t = os.time({ year = 2024, month = 2, day = 29, hour = 12, min = 30, sec = 15 })
print(os.date("!%Y-%m-%d %H:%M:%S %j %a %b", 0), os.date("!%c", 951782400))
local d = os.date("!*t", 1700000000)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
print(os.time({ year = 2000, month = 1, day = 1, hour = 0 }) - os.time({ year = 1999, month = 12, day = 31, hour = 0 }))
print(type(t), os.difftime(t + 60, t), math.type(os.time()), os.time() > 1700000000, os.clock() >= 0)
print(os.getenv("LUA_PORT_TEST"), os.getenv("NO_SUCH_VARIABLE_HERE"))
local name = os.tmpname(); print(type(name), os.remove(name) or "gone")
os.exit(true)
