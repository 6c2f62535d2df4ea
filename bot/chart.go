package bot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// The weekly digest's chart: one line per note variant, drawn with the
// standard library alone (image, image/png). It has no fonts, so the chart carries no words:
// its legend (each variant's colour by name and emoji) and its scale are
// in the text that comes with it (chartLegend).

// chartColor is a series' colour and the words the legend gives it.
type chartColor struct {
	RGBA  color.RGBA
	Name  string
	Emoji string // a Slack emoji of the colour, "" when Slack has none
}

// chartPalette holds one colour per variant, as many as a campaign may
// have (config allows 10 note variants), each far from the others and from
// the greys of the grid.
var chartPalette = []chartColor{
	{color.RGBA{0x1f, 0x77, 0xb4, 0xff}, "blue", ":large_blue_square:"},
	{color.RGBA{0xff, 0x7f, 0x0e, 0xff}, "orange", ":large_orange_square:"},
	{color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, "green", ":large_green_square:"},
	{color.RGBA{0xd6, 0x27, 0x28, 0xff}, "red", ":large_red_square:"},
	{color.RGBA{0x94, 0x67, 0xbd, 0xff}, "purple", ":large_purple_square:"},
	{color.RGBA{0x8c, 0x56, 0x4b, 0xff}, "brown", ":large_brown_square:"},
	{color.RGBA{0xe3, 0xb5, 0x05, 0xff}, "yellow", ":large_yellow_square:"},
	{color.RGBA{0x21, 0x21, 0x21, 0xff}, "black", ":black_large_square:"},
	{color.RGBA{0xe3, 0x77, 0xc2, 0xff}, "pink", ""},
	{color.RGBA{0x17, 0xbe, 0xcf, 0xff}, "teal", ""},
}

// The chart's size and its plot area's margins, in pixels.
const (
	chartWidth, chartHeight = 640, 320
	chartLeft, chartRight   = 24, 24
	chartTop, chartBottom   = 16, 28
)

var (
	chartBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	chartGrid       = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
	chartAxis       = color.RGBA{0x99, 0x99, 0x99, 0xff}
)

// chartSeries is one line: a value in [0, 1] per point, oldest first; NaN
// where there is none (a variant not sent yet).
type chartSeries struct {
	Name   string
	Values []float64
}

// drawChart draws the series over points evenly spaced points as a PNG,
// the first series in chartPalette's first colour and so on, on the scale
// of its highest value (chartScaleFor), which it returns for the legend.
func drawChart(series []chartSeries, points int) (pngData []byte, scale chartScale, err error) {
	if points < 1 {
		return nil, chartScale{}, fmt.Errorf("bot: a chart needs at least 1 point, got %d", points)
	}
	if len(series) > len(chartPalette) {
		return nil, chartScale{}, fmt.Errorf("bot: a chart shows at most %d series, got %d", len(chartPalette), len(series))
	}
	highest := 0.0
	for _, s := range series {
		if len(s.Values) != points {
			return nil, chartScale{}, fmt.Errorf("bot: series %q has %d values for %d points", s.Name, len(s.Values), points)
		}
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				highest = max(highest, v)
			}
		}
	}
	sc := chartScaleFor(highest)
	// A paletted image (index 0 the background): its PNG is a quarter of
	// an RGBA one's, and each colour stays exact.
	colours := color.Palette{chartBackground, chartGrid, chartAxis}
	for _, c := range chartPalette {
		colours = append(colours, c.RGBA)
	}
	img := image.NewPaletted(image.Rect(0, 0, chartWidth, chartHeight), colours)
	x0, x1 := chartLeft, chartWidth-chartRight
	y0, y1 := chartTop, chartHeight-chartBottom
	xAt := func(i int) int {
		if points == 1 {
			return (x0 + x1) / 2
		}
		return x0 + i*(x1-x0)/(points-1)
	}
	yAt := func(v float64) int { return y1 - int(math.Round(v/sc.Top*float64(y1-y0))) }
	for k := 1; k <= sc.lines(); k++ {
		fillRect(img, x0, yAt(float64(k)*sc.Step), x1, yAt(float64(k)*sc.Step), gridIndex)
	}
	for i := range points {
		x := xAt(i)
		fillRect(img, x, y0, x, y1, gridIndex)
		fillRect(img, x, y1, x, y1+5, axisIndex) // a tick per week
	}
	fillRect(img, x0, y1, x1, y1, axisIndex)
	for n, s := range series {
		c := seriesIndex + uint8(n)
		for i, v := range s.Values {
			if math.IsNaN(v) {
				continue
			}
			if i > 0 && !math.IsNaN(s.Values[i-1]) {
				drawLine(img, xAt(i-1), yAt(s.Values[i-1]), xAt(i), yAt(v), c)
			}
			fillRect(img, xAt(i)-3, yAt(v)-3, xAt(i)+3, yAt(v)+3, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, chartScale{}, fmt.Errorf("bot: encode the chart: %w", err)
	}
	return buf.Bytes(), sc, nil
}

// chartScale is the chart's height: from 0 to Top, a grid line every Step.
type chartScale struct {
	Top, Step float64
}

// chartScaleFor fits the scale to the highest value: up to 50%, to the
// next 10% with a line every 10 points, so that small rates do not hug
// the axis; above, to the next 20% with a line every 20 points.
func chartScaleFor(highest float64) chartScale {
	step := 0.1
	if highest > 0.5 {
		step = 0.2
	}
	// The epsilon keeps 0.4 (4.000…01 steps) at 40%.
	n := max(math.Ceil(highest/step-1e-9), 1)
	return chartScale{Top: min(n*step, 1), Step: step}
}

// lines counts the grid lines above the axis.
func (s chartScale) lines() int { return int(math.Round(s.Top / s.Step)) }

// The colours' indexes in the chart's palette.
const (
	gridIndex   uint8 = 1
	axisIndex   uint8 = 2
	seriesIndex uint8 = 3 // the first series'; the others follow
)

// fillRect paints the rectangle from (xa, ya) to (xb, yb), both included,
// in the palette's colour c, clipped to the image.
func fillRect(img *image.Paletted, xa, ya, xb, yb int, c uint8) {
	r := image.Rect(xa, ya, xb+1, yb+1).Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetColorIndex(x, y, c)
		}
	}
}

// drawLine draws a line 3 pixels thick from (xa, ya) to (xb, yb)
// (Bresenham's algorithm, a square brush at each step).
func drawLine(img *image.Paletted, xa, ya, xb, yb int, c uint8) {
	dx, dy := abs(xb-xa), -abs(yb-ya)
	sx, sy := sign(xb-xa), sign(yb-ya)
	e := dx + dy
	for {
		fillRect(img, xa-1, ya-1, xa+1, ya+1, c)
		if xa == xb && ya == yb {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			xa += sx
		}
		if e2 <= dx {
			e += dx
			ya += sy
		}
	}
}

func abs(n int) int { return max(n, -n) }

func sign(n int) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}
