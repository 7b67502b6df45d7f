# 'colour'
# Written by moco; re-draw with: gnuplot 'colour.gp'
if (!exists("outfile")) outfile = 'colour.png'
set terminal pngcairo size 300,200 enhanced font "sans,10"
set output outfile
set encoding utf8
set title 'colour' noenhanced
unset key
unset border
unset tics
set size ratio -1
set xrange [-0.5:9 - 0.5]
set yrange [-0.5:4 - 0.5]
$pixels << EOD
0 0 179 230 0
1 0 77 128 179
2 0 255 26 77
3 0 153 204 255
4 0 255 255 255
5 0 204 255 26
6 0 102 153 204
7 0 0 51 102
8 0 179 230 0
0 1 26 77 128
1 1 204 255 26
2 1 102 153 204
3 1 0 51 102
4 1 255 255 255
5 1 51 102 153
6 1 230 0 51
7 1 128 179 230
8 1 26 77 128
0 2 153 204 255
1 2 51 102 153
2 2 230 0 51
3 2 128 179 230
4 2 255 255 255
5 2 179 230 0
6 2 77 128 179
7 2 255 26 77
8 2 153 204 255
0 3 0 51 102
1 3 179 230 0
2 3 77 128 179
3 3 255 26 77
4 3 255 255 255
5 3 26 77 128
6 3 204 255 26
7 3 102 153 204
8 3 0 51 102
EOD
plot $pixels using 1:2:3:4:5 with rgbimage
unset output
