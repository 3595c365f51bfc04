# Plot of `make bench` (docs/BENCHMARKS.md): faults relative to Belady's OPT,
# one panel per memory size, one line per policy across the traces.
# Usage: gnuplot -e "dir='build/bench'" tests/bench/policy.gp
if (!exists("dir")) dir = "build/bench"
set terminal pngcairo size 1600,1100 font ",10" noenhanced
set output dir."/policy.png"
set multiplot layout 2,2 title "faults / OPT faults (pager sweeps of 32; opt-sw = OPT under the same sweeps)"
set logscale y 2
set grid ytics
set ylabel "ratio to OPT"
set xtics rotate by -30
set key top left font ",8" maxrows 5
do for [pct in "10 25 50 75"] {
	f = dir."/policy-".pct.".dat"
	set title "memory = ".pct."% of the trace's footprint"
	plot for [c=2:10] f using 0:c:xtic(1) with linespoints lw 2 pt c title columnheader(c)
}
unset multiplot
