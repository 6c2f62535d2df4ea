package bot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
)

// colorCounts decodes a PNG and counts its pixels of each colour.
func colorCounts(t testing.TB, data []byte) (map[color.RGBA]int, image.Rectangle) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	return counts, b
}

func TestDrawChart(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	many := make([]chartSeries, len(chartPalette))
	for i := range many {
		// Distinct rates, so that no line hides another one entirely.
		r := 0.05 * float64(i+1)
		many[i] = chartSeries{Name: string(rune('a' + i)), Values: []float64{nan, r / 2, r * 0.8, r}}
	}
	tests := []struct {
		name    string
		series  []chartSeries
		points  int
		colours int // how many palette colours must show, in order
		top     float64
	}{
		{name: "empty", points: 8, colours: 0, top: 0.1},
		{name: "one variant", series: []chartSeries{{Name: "long", Values: []float64{0, 0.1, 0.2, 0.35}}}, points: 4, colours: 1, top: 0.4},
		{name: "one point", series: []chartSeries{{Name: "long", Values: []float64{0.4}}}, points: 1, colours: 1, top: 0.4},
		{name: "not sent yet", series: []chartSeries{{Name: "a", Values: []float64{nan, nan}}, {Name: "b", Values: []float64{0.5, 1}}}, points: 2, colours: 0, top: 1},
		{name: "many variants", series: many, points: 4, colours: len(chartPalette), top: 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, scale, err := drawChart(tt.series, tt.points)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(scale.Top-tt.top) > 1e-9 {
				t.Errorf("top = %v, want %v", scale.Top, tt.top)
			}
			counts, bounds := colorCounts(t, data)
			if bounds.Dx() != chartWidth || bounds.Dy() != chartHeight {
				t.Errorf("size = %v, want %dx%d", bounds, chartWidth, chartHeight)
			}
			if counts[chartAxis] == 0 || counts[chartBackground] == 0 {
				t.Errorf("no axis or background drawn: %d axis, %d background pixels", counts[chartAxis], counts[chartBackground])
			}
			for i, c := range chartPalette {
				drawn := counts[c.RGBA] > 0
				want := i < tt.colours
				if tt.name == "not sent yet" {
					want = i == 1 // a has no point, b is drawn in the second colour
				}
				if drawn != want {
					t.Errorf("%s pixels: %d, want drawn = %v", c.Name, counts[c.RGBA], want)
				}
			}
		})
	}
}

func TestChartScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		highest   float64
		top, step float64
		lines     int
	}{
		{"nothing accepted", 0, 0.1, 0.1, 1},
		{"a few percent", 0.03, 0.1, 0.1, 1},
		{"exactly 40%", 0.4, 0.4, 0.1, 4},
		{"just above 40%", 0.41, 0.5, 0.1, 5},
		{"above half", 0.55, 0.6, 0.2, 3},
		{"all accepted", 1, 1, 0.2, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := chartScaleFor(tt.highest)
			if math.Abs(got.Top-tt.top) > 1e-9 || math.Abs(got.Step-tt.step) > 1e-9 || got.lines() != tt.lines {
				t.Errorf("chartScaleFor(%v) = %+v with %d lines, want top %v step %v, %d lines", tt.highest, got, got.lines(), tt.top, tt.step, tt.lines)
			}
		})
	}
}

func TestDrawChartRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		series []chartSeries
		points int
		want   string
	}{
		{"no points", nil, 0, "at least 1 point"},
		{"too many series", make([]chartSeries, len(chartPalette)+1), 1, "at most 10 series"},
		{"values do not match the points", []chartSeries{{Name: "a", Values: []float64{0.1}}}, 2, `series "a" has 1 values for 2 points`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := drawChart(tt.series, tt.points); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestChartPaletteIsDistinct(t *testing.T) {
	t.Parallel()
	seen := map[color.RGBA]string{chartBackground: "background", chartGrid: "grid", chartAxis: "axis"}
	for _, c := range chartPalette {
		if other, ok := seen[c.RGBA]; ok {
			t.Errorf("%s has the colour of %s", c.Name, other)
		}
		seen[c.RGBA] = c.Name
	}
}

// BenchmarkDrawChart draws the weekly digest's largest chart: 10 variants
// over 8 weeks. It reports the PNG's size.
func BenchmarkDrawChart(b *testing.B) {
	series := make([]chartSeries, len(chartPalette))
	for i := range series {
		series[i] = chartSeries{Name: string(rune('a' + i)), Values: make([]float64, chartWeeks)}
		for w := range chartWeeks {
			series[i].Values[w] = 0.03*float64(i) + 0.01*float64(w)
		}
	}
	var size int
	for b.Loop() {
		data, _, err := drawChart(series, chartWeeks)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "png-bytes")
}
