package ident

import "testing"

func TestChinesePlateWrittenManyWaysMatches(t *testing.T) {
	sameValue(t, KindPlate, "CN", "京A12345",
		"京A12345", "京A·12345", "京a·12345", "京A 12345", "京A-12345", "京A.12345", "京A•12345", "京A・12345",
		"京A･12345", "京A‧12345", "京A∙12345", "京Ａ１２３４５", " 京 A 1 2 3 4 5 ", "车牌：京A·12345", "车牌号 京A12345")
}

func TestChinesePlateDisplayHasTheDot(t *testing.T) {
	checkAccepted(t, KindPlate, []accepted{
		{"京A12345", "CN", "京A12345", "京A·12345"},
		{"云A·D12345", "CN", "云AD12345", "云A·D12345"}, // new-energy, 8 characters
		{"粤B 12345", "CN", "粤B12345", "粤B·12345"},
		{"沪A-1234学", "CN", "沪A1234学", "沪A·1234学"}, // driving school
		{"粤Z·1234港", "CN", "粤Z1234港", "粤Z·1234港"}, // Hong Kong cross-border
		{"川A·ABCDE", "CN", "川AABCDE", "川A·ABCDE"}, // recognised without a digit
	})
}

func TestPlateDoesNotMapLookAlikeLetters(t *testing.T) {
	checkAccepted(t, KindPlate, []accepted{
		{"京A·O1234", "CN", "京AO1234", "京A·O1234"},
		{"京A·I1234", "CN", "京AI1234", "京A·I1234"},
	})
	o, _ := Normalize(KindPlate, "京AO1234", "CN")
	zero, _ := Normalize(KindPlate, "京A01234", "CN")
	if o.Value == zero.Value {
		t.Errorf("O and 0 were merged: %q", o.Value)
	}
}

func TestForeignPlateIsLettersAndDigitsUpperCase(t *testing.T) {
	checkAccepted(t, KindPlate, []accepted{
		{"ab 123 cd", "CN", "AB123CD", "AB123CD"},
		{"B-MW 1234", "CN", "BMW1234", "BMW1234"},
		{"7abc123", "CN", "7ABC123", "7ABC123"},
		{"12", "CN", "12", "12"},
		{"12가3456", "CN", "12가3456", "12가3456"}, // Korean
		{"ав 123", "CN", "АВ123", "АВ123"},      // Cyrillic is kept, not mapped to Latin
	})
}

func TestPlateRefusesWhatIsNoPlate(t *testing.T) {
	checkRefused(t, KindPlate, []refused{
		{"1", "CN", ReasonInvalidPlate},
		{"ABC", "CN", ReasonInvalidPlate}, // no digit and not a Chinese plate
		{"京A", "CN", ReasonInvalidPlate},
		{"12345678901", "CN", ReasonInvalidPlate},
		{"ABC+123", "CN", ReasonInvalidPlate},
		{"京A12345😀", "CN", ReasonInvalidPlate},
		{"车牌：", "CN", ReasonInvalidPlate},
		{"·-·", "CN", ReasonInvalidPlate},
	})
}
