# 't-SNE of digits'' features'
# Written by moco; re-draw with: gnuplot 'scatter.gp'
if (!exists("outfile")) outfile = 'scatter.png'
set terminal pngcairo size 600,600 enhanced font "sans,10"
set output outfile
set encoding utf8
set title 't-SNE of digits'' features' noenhanced
set key outside right top noenhanced
set grid lc rgb "#dddddd"
set autoscale fix
set offsets graph 0.03, graph 0.03, graph 0.03, graph 0.03
$s1 << EOD
0 0
0.5 1
1 0.25
EOD
$s2 << EOD
5 5
5.5 4
6.25 5.5
EOD
plot $s1 using 1:2 with points pt 7 ps 0.5 lc rgb "#1f77b4" title '0', \
     $s2 using 1:2 with points pt 7 ps 0.5 lc rgb "#ff7f0e" title '1'
unset output
