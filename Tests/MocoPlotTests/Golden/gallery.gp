# 'augmentations'
# Written by moco; re-draw with: gnuplot 'gallery.gp'
if (!exists("outfile")) outfile = 'gallery.png'
set terminal pngcairo size 480,360 enhanced font "sans,10"
set output outfile
set encoding utf8
set title 'augmentations' noenhanced
unset key
unset border
unset tics
set size ratio -1
set xrange [-0.5:8 - 0.5]
set yrange [-0.5:5 - 0.5]
set lmargin 10
set tmargin 5
set title offset 0,1.5
set label 'original' at 0.5,5 center offset 0,1 noenhanced
set label 'view 1' at 3.5,5 center offset 0,1 noenhanced
set label 'view 2' at 6.5,5 center offset 0,1 noenhanced
set label 'image 1' at -0.5,3.5 right offset -1,0 noenhanced
set label 'image 2' at -0.5,0.5 right offset -1,0 noenhanced
$pixels << EOD
0 0 85 85 85
1 0 170 170 170
2 0 255 255 255
3 0 170 170 170
4 0 255 255 255
5 0 255 255 255
6 0 255 255 255
7 0 0 0 0
0 1 255 255 255
1 1 0 0 0
2 1 255 255 255
3 1 0 0 0
4 1 85 85 85
5 1 255 255 255
6 1 85 85 85
7 1 170 170 170
0 2 255 255 255
1 2 255 255 255
2 2 255 255 255
3 2 255 255 255
4 2 255 255 255
5 2 255 255 255
6 2 255 255 255
7 2 255 255 255
0 3 170 170 170
1 3 255 255 255
2 3 255 255 255
3 3 255 255 255
4 3 0 0 0
5 3 255 255 255
6 3 0 0 0
7 3 85 85 85
0 4 0 0 0
1 4 85 85 85
2 4 255 255 255
3 4 85 85 85
4 4 170 170 170
5 4 255 255 255
6 4 170 170 170
7 4 255 255 255
EOD
plot $pixels using 1:2:3:4:5 with rgbimage
unset output
