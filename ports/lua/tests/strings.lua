-- Strings: formatting, patterns, gsub with every kind of replacement, utf8, pack.
-- Output is compared line by line with the host's Lua 5.4 (tests/scenarios/ports.py).
print(string.format("%5d|%-5d|%05.1f|%x|%X|%o|%e|%g|%q", 42, 42, 3.14159, 255, 255, 8, 12345.678, 0.0001, "a\nb\0c"))
print(string.format("%10.3s|%-10s|%c%c%c", "abcdef", "left", 76, 117, 97))
print(("hello world"):upper(), ("HeLLo"):lower(), ("abc"):rep(3, "-"), ("stressed"):reverse())
print(("  trim me  "):match("^%s*(.-)%s*$") .. "|")
for k, v in string.gmatch("a=1, b=22, ccc=333", "(%w+)=(%w+)") do io.write(k, ":", v, " ") end
print()
print(string.gsub("hello world", "o", "0"))
print(string.gsub("hello world", "(%w+)", "<%1>"))
print(string.gsub("$name is $age", "%$(%w+)", { name = "Lua", age = 30 }))
print(string.gsub("abc", "%w", function(c) return c:byte() .. "," end))
print(string.find("the quick brown fox", "quick"), string.find("a.b", ".", 1, true), string.find("abc", "x"))
print(("%d items"):format(3), #"\u{48}\u{49}", utf8.char(72, 228, 8364, 128512))
local s = "häll€"
print(utf8.len(s), #s)
for p, c in utf8.codes(s) do io.write(p, "=", c, " ") end
print()
print(string.pack(">I2I4", 1, 2):byte(1, -1))
print(string.unpack("<i4", "\xff\xff\xff\xff"), string.packsize("i4i8"))
print(tostring(1/0), tostring(-1/0), tostring(0/0) == tostring(0/0), math.type(1), math.type(1.0), math.type("1"))
print(10 // 3, 10 % 3, -10 // 3, -10 % 3, 10 / 4, 3 | 5, 3 & 5, 3 ~ 5, ~0, 1 << 62, 2^10)
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger, 0x7fffffffffffffff)
print(tonumber("0x10"), tonumber("10", 2), tonumber("z", 36), tonumber("  12  "), tonumber("1e3"), tonumber("abc"))
print(string.format("%.14g", math.pi), math.floor(-3.5), math.ceil(-3.5), math.abs(-7), math.fmod(7, 3))
local parts = {}
for word in ("one two  three"):gmatch("%S+") do parts[#parts + 1] = word end
print(table.concat(parts, ","), select("#", ("a,b,c"):byte(1, -1)))
