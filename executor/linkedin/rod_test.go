package linkedin

import "github.com/go-rod/rod"

type rodPage = rod.Page

func rodEval(js string) *rod.EvalOptions { return rod.Eval(js).ByObject() }
