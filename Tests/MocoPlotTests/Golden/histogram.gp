# 'logits'
# Written by moco; re-draw with: gnuplot 'histogram.gp'
if (!exists("outfile")) outfile = 'histogram.png'
set terminal pngcairo size 800,500 enhanced font "sans,10"
set output outfile
set encoding utf8
set title 'logits' noenhanced
set xlabel 'q·k / T' noenhanced
set ylabel 'count' noenhanced
set key outside right top noenhanced
set grid lc rgb "#dddddd"
set style fill transparent solid 0.45 noborder
set boxwidth 2 absolute
$h1 << EOD
0 0
2 0
4 0
6 0
8 0.1
10 0.4
EOD
$h2 << EOD
0 0.25
2 0.25
4 0
6 0
8 0
10 0
EOD
plot $h1 using 1:2 with boxes lc rgb "#1f77b4" title 'positive', \
     $h2 using 1:2 with boxes lc rgb "#ff7f0e" title 'negative'
unset output
