# 'confusion'
# Written by moco; re-draw with: gnuplot 'heatmap.gp'
if (!exists("outfile")) outfile = 'heatmap.png'
set terminal pngcairo size 420,400 enhanced font "sans,10"
set output outfile
set encoding utf8
set title 'confusion' noenhanced
set xlabel 'predicted' noenhanced
set ylabel 'true' noenhanced
unset key
set termoption noenhanced
set size ratio -1
set xrange [-0.5:3 - 0.5]
set yrange [3 - 0.5:-0.5]
set xtics ('cat' 0, 'dog''s' 1, 'bird ^2' 2) rotate by 45 right
set ytics ('cat' 0, 'dog''s' 1, 'bird ^2' 2)
set tics scale 0
set palette defined (0 '#ffffff', 1 '#1f77b4')
set cbrange [0:9]
$cells << EOD
5 1 0
0 7 2
1 0 9
EOD
plot $cells matrix with image, $cells matrix using 1:2:(sprintf('%g', $3)) with labels font ",9"
unset output
