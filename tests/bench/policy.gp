# Plot of `make bench` (docs/BENCHMARKS.md): faults relative to Belady's OPT,
# one panel per memory size, one line per policy across the traces.
# Usage: gnuplot -e "dir='build/bench'" tests/bench/policy.gp
if (!exists("dir")) dir = "build/bench"
set terminal pngcairo size 1600,1100 font ",10" noenhanced
set output dir."/policy.png"
set multiplot layout 2,2 title "faults / OPT faults (pager sweeps of 32; opt-sw = OPT under the same sweeps)"
colors = "gray50 #009e73 #56b4e9 #e69f00 #f0e442 #0072b2 #d7191c black #9400d3 #8b4513"
set logscale y 2
set grid ytics
set ylabel "ratio to OPT"
set xtics rotate by -30
set key outside right top font ",9"
do for [pct in "10 25 50 75"] {
	f = dir."/policy-".pct.".dat"
	set title "memory = ".pct."% of the trace's footprint"
	plot for [c=2:10] f using 0:c:xtic(1) with linespoints lw 2 lc rgb word(colors, c) pt c title columnheader(c)
}
unset multiplot
