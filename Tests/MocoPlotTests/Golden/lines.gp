# 'InfoNCE loss'
# Written by moco; re-draw with: gnuplot 'lines.gp'
if (!exists("outfile")) outfile = 'lines.png'
set terminal pngcairo size 800,500 enhanced font "sans,10"
set output outfile
set encoding utf8
set title 'InfoNCE loss' noenhanced
set xlabel 'step' noenhanced
set ylabel 'loss' noenhanced
set key outside right top noenhanced
set grid lc rgb "#dddddd"
set autoscale fix
set offsets 0, 0, graph 0.05, graph 0.05
set logscale y
$s1 << EOD
1 6.9
2 6.1
3 5.2
4 0.1
5 4.4
EOD
$s2 << EOD
1 6.9
2 6.633333333333333
3 6.214285714285714
4 5.246666666666667
5 4.8096774193548395
EOD
$s3 << EOD
1 7
2 6.8
3 6.4
4 6
5 5.1
EOD
plot $s1 using 1:2 with lines lw 1 lc rgb "#b01f77b4" notitle, \
     $s2 using 1:2 with lines lw 2 lc rgb "#1f77b4" title 'loss', \
     $s3 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title 'm = 0.999'
unset output
